import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { registeredMetric } from '../metrics/registered-metric';

/** Metrics of notifications: what was recorded, how deliveries went, what waits in the outbox. */
@Injectable()
export class NotificationMetrics {
  readonly attempts = registeredMetric('dashboard_notification_delivery_attempts_total', () =>
    new Counter({
      name: 'dashboard_notification_delivery_attempts_total',
      help: 'Webhook and email delivery attempts by outcome (delivered, retry, failed, cancelled)',
      labelNames: ['channel', 'outcome'],
    }),
  );
  readonly alerts = registeredMetric('dashboard_node_alerts_total', () =>
    new Counter({ name: 'dashboard_node_alerts_total', help: 'node.offline and node.online recorded', labelNames: ['type'] }),
  );
  readonly pruned = registeredMetric('dashboard_notifications_pruned_total', () =>
    new Counter({ name: 'dashboard_notifications_pruned_total', help: 'Notifications removed by retention' }),
  );
  readonly backlog = registeredMetric('dashboard_notification_deliveries_claimed', () =>
    new Gauge({ name: 'dashboard_notification_deliveries_claimed', help: 'Deliveries claimed by the last worker pass', labelNames: ['channel'] }),
  );
}
