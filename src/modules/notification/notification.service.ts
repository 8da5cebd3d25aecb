import { Injectable } from '@nestjs/common';
import { decodeCursor, isIdCursor, pageOf } from '../../common/cursor';
import { DashboardError } from '../../common/errors';
import { AppConfig } from '../../config';
import { EventBus } from '../../infra/bus/event-bus';
import { ListNotificationsQuery } from './dto/list-notifications.query';
import { MarkReadDto } from './dto/mark-read.dto';
import { UpdatePreferencesDto } from './dto/update-preferences.dto';
import { NotificationPageJson, PreferenceJson, toNotificationJson, toPreferenceJson } from './notification.mapper';
import { NotificationRepository } from './notification.repository';
import { DEFAULT_CHANNELS, NOTIFICATION_TYPES, NotificationType } from './notification-types';
import { PreferenceRepository } from './preference.repository';
import { UnsubscribeTokens } from './unsubscribe-token';

/** The caller's feed, read marks and channel preferences; email unsubscribe links. */
@Injectable()
export class NotificationService {
  private readonly tokens: UnsubscribeTokens;

  constructor(
    private readonly notifications: NotificationRepository,
    private readonly preferences: PreferenceRepository,
    private readonly bus: EventBus,
    config: AppConfig,
  ) {
    this.tokens = new UnsubscribeTokens(config.jwt.secret ?? '');
  }

  async list(userId: number, query: ListNotificationsQuery): Promise<NotificationPageJson> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isIdCursor);
    const rows = await this.notifications.list(userId, { unreadOnly: query.unread === true, limit: query.limit + 1, beforeId: cursor?.id });
    const page = pageOf(rows, query.limit, toNotificationJson, (row) => ({ id: row.id }));
    return { ...page, unread: await this.notifications.unreadCount(userId) };
  }

  async markRead(userId: number, dto: MarkReadDto): Promise<void> {
    if ((dto.ids === undefined) === (dto.all === undefined)) {
      throw DashboardError.validation('Send either ids or all', [{ field: 'ids', problems: ['exactly one of ids and all is required'] }]);
    }
    const changed = await this.notifications.markRead(userId, dto.all === true ? 'all' : dto.ids!);
    if (changed > 0) await this.bus.publishAfterCommit({ type: 'notification.changed', userIds: [userId] });
  }

  async getPreferences(userId: number): Promise<PreferenceJson[]> {
    const chosen = await this.preferences.listByUser(userId);
    return NOTIFICATION_TYPES.map((type) => toPreferenceJson(type, chosen.get(type) ?? DEFAULT_CHANNELS[type]));
  }

  async updatePreferences(userId: number, dto: UpdatePreferencesDto): Promise<PreferenceJson[]> {
    const types = dto.preferences.map((change) => change.type);
    if (new Set(types).size !== types.length) {
      throw DashboardError.validation('Each type at most once', [{ field: 'preferences', problems: ['a type is listed twice'] }]);
    }
    const current = new Map((await this.getPreferences(userId)).map((preference) => [preference.type, preference]));
    await this.preferences.upsert(
      userId,
      dto.preferences.map((change) => {
        const was = current.get(change.type)!;
        return {
          type: change.type,
          in_app: change.in_app ?? was.in_app,
          webhook: change.webhook ?? was.webhook,
          email: change.email ?? was.email,
        };
      }),
    );
    return this.getPreferences(userId);
  }

  /** Turns email off for the link's user and type; an invalid link is a ValidationError. */
  async unsubscribe(token: string): Promise<{ type: NotificationType }> {
    const subject = this.tokens.verify(token);
    if (subject === null) {
      throw DashboardError.validation('Invalid unsubscribe link', [{ field: 'token', problems: ['token is not valid'] }]);
    }
    await this.preferences.disableEmail(subject.userId, subject.type, DEFAULT_CHANNELS[subject.type]);
    return { type: subject.type };
  }
}
