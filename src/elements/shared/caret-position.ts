// Where a text offset sits on screen inside an input, textarea or contenteditable, for
// drawing other people's carets. Inputs and textareas expose no such API, so we lay out a
// hidden mirror with the same box and font in our own shadow root and measure it there.

const MIRRORED = [
  'boxSizing', 'width', 'height', 'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft',
  'borderTopWidth', 'borderRightWidth', 'borderBottomWidth', 'borderLeftWidth', 'borderStyle',
  'fontFamily', 'fontSize', 'fontStyle', 'fontVariant', 'fontWeight', 'fontStretch', 'lineHeight',
  'letterSpacing', 'wordSpacing', 'textIndent', 'textTransform', 'tabSize', 'direction',
] as const;

export interface CaretBox {
  /** Viewport coordinates of the caret's top, and its height. */
  x: number;
  y: number;
  height: number;
}

/** The caret box at `index`, or null when it is scrolled out of the control's view. */
export function caretBox(control: HTMLElement, index: number, scratch: ShadowRoot): CaretBox | null {
  const rect = control.getBoundingClientRect();
  if (!(control instanceof HTMLInputElement || control instanceof HTMLTextAreaElement)) {
    return contentEditableCaret(control, index);
  }
  const style = getComputedStyle(control);
  const mirror = document.createElement('div');
  for (const property of MIRRORED) mirror.style[property] = style[property];
  Object.assign(mirror.style, {
    position: 'absolute',
    visibility: 'hidden',
    top: '0',
    left: '0',
    overflow: 'hidden',
    whiteSpace: control instanceof HTMLTextAreaElement ? 'pre-wrap' : 'pre',
    overflowWrap: control instanceof HTMLTextAreaElement ? 'break-word' : 'normal',
  });
  const value = control.value;
  mirror.textContent = value.slice(0, index);
  const marker = document.createElement('span');
  marker.textContent = value.slice(index, index + 1) || '\u200b';
  mirror.append(marker);
  scratch.append(mirror);
  const lineHeight = marker.offsetHeight || parseFloat(style.fontSize) * 1.2;
  const x = rect.left + marker.offsetLeft - control.scrollLeft;
  const y = rect.top + marker.offsetTop - control.scrollTop;
  mirror.remove();
  if (x < rect.left || x > rect.right || y < rect.top || y + lineHeight > rect.bottom + 1) return null;
  return { x, y, height: lineHeight };
}

function contentEditableCaret(element: HTMLElement, index: number): CaretBox | null {
  const text = element.firstChild;
  if (!text || text.nodeType !== Node.TEXT_NODE) {
    const rect = element.getBoundingClientRect();
    return { x: rect.left + 2, y: rect.top + 2, height: 18 };
  }
  const range = document.createRange();
  const at = Math.min(index, text.textContent?.length ?? 0);
  range.setStart(text, at);
  range.setEnd(text, at);
  const box = range.getClientRects()[0] ?? range.getBoundingClientRect();
  return { x: box.left, y: box.top, height: box.height || 18 };
}
