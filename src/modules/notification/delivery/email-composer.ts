import { describeNotification, escapeHtml, subjectOf } from '../notification-text';
import { NotificationType } from '../notification-types';

/** Items listed in one email at most; the rest are summed up in one line (the feed has them all). */
export const EMAIL_MAX_ITEMS = 200;

export interface EmailItem {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly createdAt: Date;
}

export interface ComposedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The link for the List-Unsubscribe header: the most frequent type in this email. */
  readonly listUnsubscribe: string;
}

/**
 * One email for a batch of a user's notifications, plain text and HTML alike, with an
 * unsubscribe link per type it contains. Everything from data is escaped in the HTML (node names
 * and user agents are free text).
 */
export function composeEmail(
  username: string,
  items: readonly EmailItem[],
  links: { dashboard: string; unsubscribe: (type: NotificationType) => string },
): ComposedEmail {
  const sorted = [...items].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const shown = sorted.slice(0, EMAIL_MAX_ITEMS);
  const more = sorted.length - shown.length;
  const counts = new Map<string, number>();
  for (const item of sorted) counts.set(item.type, (counts.get(item.type) ?? 0) + 1);
  const types = [...counts.keys()] as NotificationType[];
  const lines = shown.map((item) => `${item.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC  ${describeNotification(item.type, item.data)}`);
  const unsubscribe = types.map((type) => ({ type, url: links.unsubscribe(type) }));
  const dominant = [...counts].sort((a, b) => b[1] - a[1])[0]![0] as NotificationType;

  const text = [
    `Hello ${username},`,
    '',
    ...lines.map((line) => `- ${line}`),
    ...(more > 0 ? [`- … and ${more} more in your dashboard.`] : []),
    '',
    `Dashboard: ${links.dashboard}`,
    '',
    'Stop these emails:',
    ...unsubscribe.map(({ type, url }) => `  ${type}: ${url}`),
    '',
  ].join('\n');

  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111">
<p>Hello ${escapeHtml(username)},</p>
<ul>
${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('\n')}${more > 0 ? `\n<li>… and ${more} more in your dashboard.</li>` : ''}
</ul>
<p><a href="${escapeHtml(links.dashboard)}">Open your dashboard</a></p>
<p style="font-size:12px;color:#555">Stop these emails: ${unsubscribe
    .map(({ type, url }) => `<a href="${escapeHtml(url)}">${escapeHtml(type)}</a>`)
    .join(' · ')}</p>
</body></html>`;

  return { subject: subjectOf(sorted.map((item) => item.type)), text, html, listUnsubscribe: links.unsubscribe(dominant) };
}
