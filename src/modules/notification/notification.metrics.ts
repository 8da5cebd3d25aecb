import { Injectable } from '@nestjs/common';
import { Counter, Gauge, register } from 'prom-client';

/** Metrics of notifications: what was recorded, how deliveries went, what waits in the outbox. */
@Injectable()
export class NotificationMetrics {
  readonly attempts = metric('dashboard_notification_delivery_attempts_total', () =>
    new Counter({
      name: 'dashboard_notification_delivery_attempts_total',
      help: 'Webhook and email delivery attempts by outcome (delivered, retry, failed, cancelled)',
      labelNames: ['channel', 'outcome'],
    }),
  );
  readonly alerts = metric('dashboard_node_alerts_total', () =>
    new Counter({ name: 'dashboard_node_alerts_total', help: 'node.offline and node.online recorded', labelNames: ['type'] }),
  );
  readonly pruned = metric('dashboard_notifications_pruned_total', () =>
    new Counter({ name: 'dashboard_notifications_pruned_total', help: 'Notifications removed by retention' }),
  );
  readonly backlog = metric('dashboard_notification_deliveries_claimed', () =>
    new Gauge({ name: 'dashboard_notification_deliveries_claimed', help: 'Deliveries claimed by the last worker pass', labelNames: ['channel'] }),
  );
}

function metric<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}
