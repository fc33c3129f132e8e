// Local capture: camera/microphone and screen. Turns the browser's many failure shapes
// into a ParleyError with a code the UI can act on.
import { ParleyError } from './errors.js';

export interface MediaRequest {
  audio?: boolean;
  video?: boolean;
}

export async function captureUserMedia({ audio = true, video = true }: MediaRequest): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new ParleyError('media', 'Camera and microphone need a secure page (https or localhost).');
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio, video });
  } catch (cause) {
    throw mediaError(cause, 'camera or microphone');
  }
}

export async function captureScreen(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getDisplayMedia) {
    throw new ParleyError('media', 'This browser cannot share the screen.');
  }
  try {
    return await navigator.mediaDevices.getDisplayMedia({ video: true, audio: true });
  } catch (cause) {
    throw mediaError(cause, 'screen');
  }
}

function mediaError(cause: unknown, what: string): ParleyError {
  const name = (cause as { name?: string })?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return new ParleyError('permission-denied', `Permission to use the ${what} was denied. Allow it in the browser's site settings and try again.`, { cause });
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return new ParleyError('no-device', `No ${what} was found. Connect one and try again.`, { cause });
  }
  if (name === 'NotReadableError') {
    return new ParleyError('media', `The ${what} is in use by another application.`, { cause });
  }
  return new ParleyError('media', `Could not start the ${what}.`, { cause });
}
