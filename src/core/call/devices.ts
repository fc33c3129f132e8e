// Camera, microphone and speaker choice: what the browser offers (it changes when a device
// is plugged in or out), and what the user picked, remembered per origin in localStorage.
// Labels are empty until the page has had camera/microphone permission once.
import type { DeviceKind } from './device-choice.js';

export { DEVICE_STORAGE_KEY, loadDeviceChoice, saveDeviceChoice, type DeviceChoice, type DeviceKind } from './device-choice.js';

export interface DeviceOption {
  id: string;
  label: string;
}

export type DeviceList = Record<DeviceKind, DeviceOption[]>;

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
