// A remote tile's connection in <parley-video-grid>: the network-quality bars in its label
// and the stats panel its "Connection stats" button opens.
import { html, nothing } from 'lit';
import { icon } from '../shared/icons.js';
import type { Localize } from '../shared/messages.js';
import signalHigh from 'lucide/dist/esm/icons/signal-high.mjs';
import signalLow from 'lucide/dist/esm/icons/signal-low.mjs';
import signalMedium from 'lucide/dist/esm/icons/signal-medium.mjs';
import type { PeerStats } from '../../core/index.js';

export function renderNetwork({ t }: Localize, stats: PeerStats | undefined) {
  if (!stats) return nothing;
  const bars = { good: signalHigh, fair: signalMedium, poor: signalLow }[stats.quality];
  return html`<span part="network" role="img" aria-label=${t('Network: {quality}', { quality: t(stats.quality) })} data-quality=${stats.quality}>${icon(bars)}</span>`;
}

export function renderStats({ t }: Localize, stats: PeerStats | undefined) {
  const video = stats?.received;
  const kbps = (bps?: number) => (bps === undefined ? '–' : `${Math.round(bps / 1000)} kbit/s`);
  const rows: Array<[string, string]> = [
    ['Bitrate', t('{in} in, {out} out', { in: kbps(video?.bitrate), out: kbps(stats?.sent?.bitrate) })],
    ['RTT', stats?.rtt === undefined ? '–' : `${Math.round(stats.rtt)} ms`],
    ['Loss', stats?.loss === undefined ? '–' : `${(stats.loss * 100).toFixed(1)} %`],
    ['Codec', video?.codec ?? '–'],
    ['Resolution', video?.width ? `${video.width}×${video.height}` : '–'],
    ['FPS', video?.fps === undefined ? '–' : String(Math.round(video.fps))],
  ];
  return html`<dl part="stats">${rows.map(([name, value]) => html`<dt>${t(name)}</dt><dd>${value}</dd>`)}</dl>`;
}
