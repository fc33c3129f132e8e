// Local capture: camera/microphone and screen. Turns the browser's many failure shapes
// into a ParleyError with a code the UI can act on.
import { ParleyError } from '../errors.js';
import type { DeviceChoice } from './device-choice.js';

export interface MediaRequest {
  audio?: boolean;
  video?: boolean;
}

/** Extra video constraints (size, frame rate) from the quality profile. */
export type VideoShape = Pick<MediaTrackConstraints, 'width' | 'height' | 'frameRate'>;

/**
 * Captures camera and/or microphone. Remembered devices are preferred (`ideal`), so a
 * device that has since been unplugged falls back to the default instead of failing.
 */
export async function captureUserMedia(
  { audio = true, video = true }: MediaRequest,
  devices: DeviceChoice = {},
  shape: VideoShape = {},
): Promise<MediaStream> {
  const pick = (id?: string): MediaTrackConstraints => (id ? { deviceId: { ideal: id } } : {});
  return getUserMedia(
    {
      audio: audio && pick(devices.microphone),
      video: video && { ...pick(devices.camera), ...shape },
    },
    'camera or microphone',
  );
}

/** Captures one track from exactly this device (the user just picked it). */
export async function captureTrack(kind: 'camera' | 'microphone', deviceId: string, shape: VideoShape = {}): Promise<MediaStreamTrack> {
  const exact = { deviceId: { exact: deviceId } };
  const stream = await getUserMedia(kind === 'camera' ? { video: { ...exact, ...shape } } : { audio: exact }, kind);
  return stream.getTracks()[0]!;
}

async function getUserMedia(constraints: MediaStreamConstraints, what: string): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new ParleyError('media', 'Camera and microphone need a secure page (https or localhost).');
  }
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch (cause) {
    throw mediaError(cause, what);
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
    return new ParleyError('permission-denied', "Permission to use the {what} was denied. Allow it in the browser's site settings and try again.", { cause, params: { what } });
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return new ParleyError('no-device', 'No {what} was found. Connect one and try again.', { cause, params: { what } });
  }
  if (name === 'NotReadableError') {
    return new ParleyError('media', 'The {what} is in use by another application.', { cause, params: { what } });
  }
  return new ParleyError('media', 'Could not start the {what}.', { cause, params: { what } });
}
