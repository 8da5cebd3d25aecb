import type { AppNotification } from './api/types';

/** Labels of the notification types, for the settings page. */
export const TYPE_LABELS: Record<string, string> = {
  'node.offline': 'A node goes offline',
  'node.online': 'A node is back online',
  'referral.joined': 'Someone joins with your code',
  'referral.rewarded': 'A referral bonus is paid',
  'bonus.credited': 'You receive a bonus',
  'security.login': 'Sign-in from a new address',
  'security.wallet_linked': 'Payout wallet changed',
  'webhook.disabled': 'Your webhook is disabled',
};

/** One line for a notification (the server's email text, in the browser). */
export function describe(n: AppNotification): string {
  const d = n.data;
  const t = (key: string) => String(d[key] ?? '');
  const node = `${t('network_name') || t('device_id')}`;
  switch (n.type) {
    case 'node.offline':
      return `${node} is offline`;
    case 'node.online':
      return `${node} is back online (offline ${duration(Number(d.offline_seconds ?? 0))})`;
    case 'referral.joined':
      return `${t('referee_username')} joined with your referral code`;
    case 'referral.rewarded':
      return `${t('referee_username')} qualified: +${t('bonus')} bonus points`;
    case 'bonus.credited':
      return `Bonus of ${t('amount')} points${d.reason ? `: ${t('reason')}` : ''}`;
    case 'security.login':
      return `New sign-in from ${t('ip')}`;
    case 'security.wallet_linked':
      return `Payout wallet set to ${t('address')}`;
    case 'webhook.disabled':
      return `Webhook disabled after failed deliveries (${t('reason')})`;
    default:
      return n.type;
  }
}

function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3_600).toFixed(1)} h`;
}
