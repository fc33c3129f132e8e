// The camera, microphone and speaker the user picked, remembered per origin in localStorage.
// Apart from devices.ts (what the browser offers), so a page that never lists devices does
// not load that code.

export type DeviceKind = 'camera' | 'microphone' | 'speaker';

/** The chosen device id per kind; absent means "the browser's default". */
export type DeviceChoice = Partial<Record<DeviceKind, string>>;

/** localStorage key (per origin, like every localStorage entry). */
export const DEVICE_STORAGE_KEY = 'parley:devices';

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
