// The device choice of <parley-controls>, in its "Devices" panel and in the pre-join
// preview: a `<select>` per kind of device the browser lists, set to the one in use.
import { html, nothing } from 'lit';
import type { Localize } from '../shared/messages.js';
import type { DeviceKind, DeviceList, Session } from '../../core/index.js';

/** The device in use: the live (or previewed) track's, else the remembered choice. */
function currentDevice(session: Session | null, kind: DeviceKind): string {
  const stream = session?.localStream ?? session?.previewStream;
  const track = kind === 'camera' ? stream?.getVideoTracks()[0] : stream?.getAudioTracks()[0];
  return (kind !== 'speaker' && track?.getSettings().deviceId) || session?.devices[kind] || '';
}

export function renderDevicePanel({ t }: Localize, list: DeviceList, session: Session | null, choose: (kind: DeviceKind, event: Event) => void) {
  const kinds = (['camera', 'microphone', 'speaker'] as const).filter((kind) => list[kind].length);
  return html`<div part="devices" id="devices" role="group" aria-label=${t('Devices')}>
    ${kinds.length ? nothing : html`<p>${t('No cameras or microphones found.')}</p>`}
    ${kinds.map((kind) => {
      const current = currentDevice(session, kind);
      return html`<label
        >${t({ camera: 'Camera', microphone: 'Microphone', speaker: 'Speaker' }[kind])}
        <select part="select" data-kind=${kind} @change=${(e: Event) => choose(kind, e)}>
          ${list[kind].map((d) => html`<option value=${d.id} ?selected=${d.id === current}>${d.label}</option>`)}
        </select></label
      >`;
    })}
  </div>`;
}
