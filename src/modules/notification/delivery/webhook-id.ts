/** The `webhook-id` of a notification: the same on every attempt (receivers dedupe on it). */
export function webhookIdOf(notificationId: number): string {
  return `msg_${notificationId}`;
}
