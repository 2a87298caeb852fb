/** Longest piece of a service's answer that a phase message or an error quotes. */
export const MAX_QUOTED_CHARS = 300;

/**
 * `text` cut to `max` characters with an ellipsis: the service's text goes into phase messages and
 * errors, which end up in the backend's records and the UI, and must not grow with what the service sends.
 */
export function clip(text: string, max = MAX_QUOTED_CHARS): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // Don't leave half of a surrogate pair at the end.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
