import { NotificationType } from './notification-types';

/** One line of plain text per notification (emails); data comes from the database, as stored. */
export function describeNotification(type: string, data: Record<string, unknown>): string {
  const text = (key: string) => String(data[key] ?? '');
  const node = () => `Node "${text('network_name')}" (${text('device_id')})`;
  switch (type as NotificationType | 'webhook.test') {
    case 'node.offline':
      return `${node()} is offline${data.last_seen ? `; last seen ${text('last_seen')}` : ''}.`;
    case 'node.online':
      return `${node()} is back online after ${duration(Number(data.offline_seconds ?? 0))} offline.`;
    case 'referral.joined':
      return `${text('referee_username')} joined with your referral code.`;
    case 'referral.rewarded':
      return `Your referral ${text('referee_username')} qualified: ${text('bonus')} bonus points credited.`;
    case 'bonus.credited':
      return `You received a bonus of ${text('amount')} points${data.reason ? `: ${text('reason')}` : ''}.`;
    case 'security.login':
      return `New sign-in from ${text('ip')}${data.user_agent ? ` (${text('user_agent')})` : ''} at ${text('time')}. If this was not you, change your password.`;
    case 'security.wallet_linked':
      return `Your payout wallet is now ${text('address')}. If this was not you, change your password and your wallet.`;
    case 'webhook.disabled':
      return `Your webhook ${text('url')} was disabled after its deliveries kept failing (${text('reason')}). Register it again to resume.`;
    case 'webhook.test':
      return text('message');
  }
  return type;
}

/** The subject of an email with these notifications. */
export function subjectOf(types: readonly string[]): string {
  const distinct = new Set(types);
  if (distinct.size === 1) {
    const n = types.length;
    switch (types[0]) {
      case 'node.offline':
        return n === 1 ? 'A node went offline' : `${n} nodes went offline`;
      case 'node.online':
        return n === 1 ? 'A node is back online' : `${n} nodes are back online`;
      case 'security.login':
        return 'New sign-in to your account';
      case 'security.wallet_linked':
        return 'Your payout wallet changed';
      case 'webhook.disabled':
        return 'Your webhook was disabled';
      default:
        break;
    }
  }
  return `${types.length} new notification${types.length === 1 ? '' : 's'}`;
}

function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3_600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
