// Camera, microphone and speaker choice: what the browser offers (it changes when a device
// is plugged in or out), and what the user picked, remembered per origin in localStorage.
// Labels are empty until the page has had camera/microphone permission once.

export type DeviceKind = 'camera' | 'microphone' | 'speaker';

/** The chosen device id per kind; absent means "the browser's default". */
export type DeviceChoice = Partial<Record<DeviceKind, string>>;

export interface DeviceOption {
  id: string;
  label: string;
}

export type DeviceList = Record<DeviceKind, DeviceOption[]>;

/** localStorage key (per origin, like every localStorage entry). */
export const DEVICE_STORAGE_KEY = 'parley:devices';

const KINDS: Record<MediaDeviceKind, DeviceKind> = {
  videoinput: 'camera',
  audioinput: 'microphone',
  audiooutput: 'speaker',
};

/** Whether this browser can route audio to a chosen speaker (`setSinkId`). */
export const canChooseSpeaker = (): boolean =>
  typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

export async function listDevices(): Promise<DeviceList> {
  const list: DeviceList = { camera: [], microphone: [], speaker: [] };
  const devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
  for (const device of devices) {
    const kind = KINDS[device.kind];
    if (!kind || !device.deviceId || list[kind].some((d) => d.id === device.deviceId)) continue;
    list[kind].push({ id: device.deviceId, label: device.label || `${kind} ${list[kind].length + 1}` });
  }
  if (!canChooseSpeaker()) list.speaker = [];
  return list;
}

/** Calls `listener` whenever a device is plugged in or out; returns the unsubscribe. */
export function watchDevices(listener: () => void): () => void {
  const media = navigator.mediaDevices;
  media?.addEventListener?.('devicechange', listener);
  return () => media?.removeEventListener?.('devicechange', listener);
}

export function loadDeviceChoice(): DeviceChoice {
  try {
    const stored: unknown = JSON.parse(globalThis.localStorage?.getItem(DEVICE_STORAGE_KEY) ?? '{}');
    const choice: DeviceChoice = {};
    if (typeof stored !== 'object' || stored === null) return choice;
    for (const kind of ['camera', 'microphone', 'speaker'] as const) {
      const id = (stored as Record<string, unknown>)[kind];
      if (typeof id === 'string' && id.length <= 256) choice[kind] = id;
    }
    return choice;
  } catch {
    return {}; // Storage disabled or a corrupt entry: fall back to the defaults.
  }
}

export function saveDeviceChoice(choice: DeviceChoice): void {
  try {
    globalThis.localStorage?.setItem(DEVICE_STORAGE_KEY, JSON.stringify(choice));
  } catch {
    // Private mode or storage full: the choice lasts for this page only.
  }
}
