import { Module } from '@nestjs/common';
import { NotificationOutbox } from './notification-outbox.service';
import { OutboxRepository } from './outbox.repository';

/**
 * The outbox alone, with no feature imports, so that the modules whose changes cause
 * notifications (auth, user, earnings) can record them without a dependency cycle.
 */
@Module({
  providers: [NotificationOutbox, OutboxRepository],
  exports: [NotificationOutbox],
})
export class NotificationOutboxModule {}
