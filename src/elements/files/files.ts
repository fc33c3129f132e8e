import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { SessionController } from '../shared/session-controller.js';
import { FeatureController } from '../shared/feature-controller.js';
import { emit } from '../shared/emit.js';
import { tokens } from '../shared/theme.js';
import { widgetStyles } from '../shared/widget.styles.js';
import { styles } from './files.styles.js';
import { Localize } from '../shared/messages.js';
import {
  DEFAULT_MAX_FILE_BYTES,
  FileTransfers,
  formatBytes,
  sanitizeFileName,
  type FileReceiver,
  type FileTransfer,
} from '../../core/index.js';

/**
 * @tag parley-files
 * @summary Share files peer-to-peer with everyone in the room or one person. Receivers
 * accept or decline; chunks are hashed and verified, big files are written to disk
 * (Origin Private File System) as they arrive, and a dropped connection resumes.
 *
 * @fires parley-file-offer - Someone offers you a file. `detail: { name, size, from }`.
 * @fires parley-file-received - A file arrived and checked out. `detail: { name, size, type, file, from }`.
 * @fires parley-error - A transfer failed, a chunk arrived corrupted, or a peer was cut off. `detail: { code, message, error }`.
 *
 * @csspart base - The whole element.
 * @csspart drop - The drop zone with the file picker.
 * @csspart list - The list of transfers.
 * @csspart transfer - One transfer.
 * @csspart name - A file's name (shown exactly as sent, as text).
 * @csspart progress - A transfer's progress bar.
 * @csspart status - A transfer's state, speed and time left.
 * @csspart button - Every button (also `accept`, `decline`, `cancel`, `remove` for a transfer that is over).
 * @csspart save - The link that saves a received file.
 *
 * @cssprop --parley-accent - Drop zone highlight and primary buttons.
 * @cssprop --parley-surface - Background of buttons, selects and panels; light-dark(#fff, #111827), so light or dark as the page's inherited `color-scheme`.
 * @cssprop --parley-text - Text colour; light-dark(#111827, #f9fafb).
 * @cssprop --parley-muted - Secondary text; light-dark(#6b7280, #9ca3af).
 * @cssprop --parley-radius - Corner radius (8px).
 * @cssprop --parley-font - Font family (system-ui, sans-serif).
 */
export class ParleyFiles extends LitElement {
  static override properties = {
    dragging: { attribute: false },
    to: { attribute: false },
    room: { reflect: true },
    maxBytes: { type: Number, attribute: 'max-bytes' },
    save: {},
  };

  static override styles = [tokens, widgetStyles, styles];

  readonly #controller = new SessionController(this);
  readonly #l10n = new Localize(this);
  readonly #feature = new FeatureController(this, (session) => FileTransfers.for(session), (files) => [
    files.events.on('change', () => this.requestUpdate()),
    files.events.on('offer', (r) => emit(this, 'parley-file-offer', { name: r.name, size: r.size, from: this.#who(r.peerId) })),
    files.events.on('received', (r) => this.#received(r)),
    files.events.on('error', (error) => emit(this, 'parley-error', { code: error.code, message: error.message, error })),
    () => {
      this.#urls.forEach((url) => URL.revokeObjectURL(url));
      this.#urls.clear();
    },
  ]);
  readonly #urls = new Map<FileTransfer, string>();
  private dragging = false;
  private to = '';

  /** Room name. Defaults to the nearest `<parley-room>` ancestor's. */
  room = '';

  /** Largest file you accept, in bytes (100 MB by default). */
  maxBytes = DEFAULT_MAX_FILE_BYTES;

  /** `auto`: a verified file is saved as a download at once; `manual`: only by its Save link. */
  save: 'auto' | 'manual' = 'auto';

  /** The framework-free transfers behind this element. */
  get transfers(): FileTransfers | null {
    return this.#feature.value;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('room')) this.#controller.refresh();
    const files = this.#feature.follow(this.#controller.session);
    if (files) files.maxBytes = this.maxBytes;
  }

  /** Offers files to `to` (a peer id) or, by default, to everyone in the room, people who join later included. */
  send(files: Iterable<File>, to?: string): void {
    for (const file of files) this.#feature.value?.offer(file, to || undefined);
    this.requestUpdate();
  }

  #received(receiver: FileReceiver): void {
    const file = receiver.file!;
    this.#urls.set(receiver, URL.createObjectURL(file));
    emit(this, 'parley-file-received', { name: receiver.name, size: receiver.size, type: file.type, file, from: this.#who(receiver.peerId) });
    this.requestUpdate();
    if (this.save === 'auto') {
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLAnchorElement>(`[data-id="${receiver.id}"]`)?.click());
    }
  }

  #remove(t: FileTransfer): void {
    const url = this.#urls.get(t);
    if (url) URL.revokeObjectURL(url);
    this.#urls.delete(t);
    this.#feature.value?.remove(t);
    this.renderRoot.querySelector<HTMLElement>('input[type=file]')?.focus(); // the button is gone
  }

  #who(peerId: string): string {
    return this.#controller.session?.participant(peerId)?.name || this.#l10n.t('Guest');
  }

  #onPick(event: Event): void {
    const input = event.target as HTMLInputElement;
    this.send(input.files ?? [], this.to);
    input.value = '';
  }

  #onDrop(event: DragEvent): void {
    event.preventDefault();
    this.dragging = false;
    this.send(event.dataTransfer?.files ?? [], this.to);
  }

  #onDragOver(event: DragEvent): void {
    event.preventDefault();
    this.dragging = true;
  }

  #status(transfer: FileTransfer): string {
    const { t } = this.#l10n;
    const { rate } = transfer;
    const size = formatBytes(rate.size);
    switch (transfer.state) {
      case 'offered':
        return transfer.direction === 'send' ? t('Waiting for them to accept') : t('{size} · offered to you', { size });
      case 'sending':
      case 'receiving': {
        const progress = t('{done} of {size} · {speed}/s', { done: formatBytes(rate.bytes), size, speed: formatBytes(rate.speed) });
        return Number.isFinite(rate.remaining) ? t('{progress}, {seconds} s left', { progress, seconds: Math.ceil(rate.remaining) }) : progress;
      }
      case 'waiting':
        return t('Connection lost: will resume when they are back');
      case 'done':
        return transfer.direction === 'send' ? t('Sent') : t('Received and verified · {size}', { size });
      default: {
        const state = t(`${transfer.state[0].toUpperCase()}${transfer.state.slice(1)}`);
        return transfer.reason ? t('{state}: {reason}', { state, reason: t(transfer.reason) }) : state;
      }
    }
  }

  #renderTransfer(transfer: FileTransfer) {
    const { t } = this.#l10n;
    const who = this.#who(transfer.peerId);
    const name = transfer.name;
    const label = t(transfer.direction === 'send' ? 'to {name}' : 'from {name}', { name: who });
    const url = this.#urls.get(transfer);
    return html`<li part="transfer">
      <span part="name">${name}</span> <span class="muted">${label}</span>
      <progress part="progress" max=${transfer.rate.size || 1} .value=${transfer.rate.bytes} aria-label=${`${name} ${label}`}></progress>
      <span part="status" class="muted">${this.#status(transfer)}</span>
      <span class="actions">
        ${transfer.direction === 'receive' && transfer.state === 'offered'
          ? html`<button part="button accept" class="primary" type="button" aria-label=${t('Accept {name}', { name })} @click=${() => this.#feature.value?.accept(transfer)}>${t('Accept')}</button>
              <button part="button decline" type="button" aria-label=${t('Decline {name}', { name })} @click=${() => transfer.decline()}>${t('Decline')}</button>`
          : transfer.active
            ? html`<button part="button cancel" type="button" aria-label=${t('Cancel {name}', { name })} @click=${() => transfer.cancel()}>${t('Cancel')}</button>`
            : nothing}
        ${url ? html`<a part="save" data-id=${transfer.id} href=${url} download=${sanitizeFileName(name)}>${t('Save {name}', { name })}</a>` : nothing}
        ${transfer.active
          ? nothing
          : html`<button part="button remove" type="button" aria-label=${t('Remove {name} from the list', { name })} @click=${() => this.#remove(transfer)}>
              ${t('Remove')}
            </button>`}
      </span>
    </li>`;
  }

  override render() {
    const session = this.#controller.session;
    const others = session?.participants().filter((p) => !p.isLocal) ?? [];
    const transfers = this.#feature.value?.list() ?? [];
    const { t } = this.#l10n;
    return html`<section part="base" aria-label=${t('Files')}>
      <div
        part="drop"
        class=${this.dragging ? 'dragging' : ''}
        @dragover=${this.#onDragOver}
        @dragleave=${() => (this.dragging = false)}
        @drop=${this.#onDrop}
      >
        <label>${t('Send to')}
          <select @change=${(e: Event) => (this.to = (e.target as HTMLSelectElement).value)}>
            <option value="">${t('Everyone')}</option>
            ${others.map((p) => html`<option value=${p.id} ?selected=${this.to === p.id}>${p.name || t('Guest')}</option>`)}
          </select>
        </label>
        <label class="pick">${t('Choose files')}<input type="file" multiple ?disabled=${!session} @change=${this.#onPick} /></label>
        <span>${t('or drop them here (up to {size} each to receive)', { size: formatBytes(this.maxBytes) })}</span>
      </div>
      <ul part="list" aria-label=${t('Transfers')} aria-live="polite">
        ${transfers.map((t) => this.#renderTransfer(t))}
      </ul>
    </section>`;
  }
}
