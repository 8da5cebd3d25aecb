import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { DashboardErrorType } from '../../common/errors';
import { PageQuery } from '../../common/http/page.query';
import { ApiErrors } from '../../openapi';
import { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/guards/current-user.decorator';
import { ListNotificationsQuery } from './dto/list-notifications.query';
import { MarkReadDto } from './dto/mark-read.dto';
import {
  NotificationPageResponse,
  PreferencesResponse,
  WebhookDeliveryPageResponse,
  WebhookResponse,
  WebhookSecretResponse,
} from './dto/notification.response';
import { PutWebhookDto } from './dto/put-webhook.dto';
import { UpdatePreferencesDto } from './dto/update-preferences.dto';
import { NotificationPageJson, PreferenceJson } from './notification.mapper';
import { NotificationService } from './notification.service';
import { WebhookDeliveryPageJson, WebhookJson, WebhookSecretJson } from './webhook.mapper';
import { WebhookService } from './webhook.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/notifications')
export class NotificationController {
  constructor(
    private readonly notifications: NotificationService,
    private readonly webhooks: WebhookService,
  ) {}

  @Get()
  @ApiOperation({ summary: "The caller's notifications, newest first, with the unread count" })
  @ApiOkResponse({ type: NotificationPageResponse, description: 'One page of notifications' })
  @ApiErrors(400, 401)
  list(@CurrentUser() auth: AuthUser, @Query() query: ListNotificationsQuery): Promise<NotificationPageJson> {
    return this.notifications.list(auth.userId, query);
  }

  @Post('read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Mark notifications read: `{ids: [...]}` or `{all: true}`' })
  @ApiNoContentResponse({ description: 'Marked (ids that are not the caller’s are ignored)' })
  @ApiErrors(400, 401)
  async markRead(@CurrentUser() auth: AuthUser, @Body() dto: MarkReadDto): Promise<void> {
    await this.notifications.markRead(auth.userId, dto);
  }

  @Get('preferences')
  @ApiOperation({ summary: 'Channels (in_app, webhook, email) of every notification type' })
  @ApiOkResponse({ type: PreferencesResponse, description: 'Every type with its channels' })
  @ApiErrors(401)
  async preferences(@CurrentUser() auth: AuthUser): Promise<{ preferences: PreferenceJson[] }> {
    return { preferences: await this.notifications.getPreferences(auth.userId) };
  }

  @Put('preferences')
  @ApiOperation({ summary: 'Change channels of some types; channels left out keep their setting' })
  @ApiOkResponse({ type: PreferencesResponse, description: 'Every type with its channels, after the change' })
  @ApiErrors(400, 401)
  async updatePreferences(@CurrentUser() auth: AuthUser, @Body() dto: UpdatePreferencesDto): Promise<{ preferences: PreferenceJson[] }> {
    return { preferences: await this.notifications.updatePreferences(auth.userId, dto) };
  }

  @Get('webhook')
  @ApiOperation({ summary: "The caller's webhook endpoint (never its secret)" })
  @ApiOkResponse({ type: WebhookResponse, description: 'The endpoint' })
  @ApiErrors(401, { status: 404, errors: [DashboardErrorType.EntityNotFound], when: 'no endpoint is registered' })
  webhook(@CurrentUser() auth: AuthUser): Promise<WebhookJson> {
    return this.webhooks.get(auth.userId);
  }

  @Put('webhook')
  @ApiOperation({ summary: 'Register or replace the webhook endpoint; returns a new signing secret, shown this once' })
  @ApiOkResponse({ type: WebhookSecretResponse, description: 'The endpoint, enabled, and its Standard Webhooks secret' })
  @ApiErrors(
    {
      status: 400,
      errors: [DashboardErrorType.ValidationError],
      when: 'not an https URL (http allowed outside production), credentials in it, or a host that does not resolve or resolves to a loopback, private, link-local, metadata or multicast address',
    },
    401,
  )
  putWebhook(@CurrentUser() auth: AuthUser, @Body() dto: PutWebhookDto): Promise<WebhookSecretJson> {
    return this.webhooks.put(auth.userId, dto.url);
  }

  @Delete('webhook')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove the webhook endpoint; pending deliveries are cancelled' })
  @ApiNoContentResponse({ description: 'Removed (also when there was none)' })
  @ApiErrors(401)
  async removeWebhook(@CurrentUser() auth: AuthUser): Promise<void> {
    await this.webhooks.remove(auth.userId);
  }

  @Post('webhook/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a webhook.test event to the endpoint' })
  @ApiAcceptedResponse({ description: 'Queued; its outcome shows in the deliveries' })
  @ApiErrors(
    401,
    { status: 404, errors: [DashboardErrorType.EntityNotFound], when: 'no endpoint is registered' },
    { status: 409, errors: [DashboardErrorType.Conflict], when: 'the endpoint is disabled: register it again first' },
  )
  async testWebhook(@CurrentUser() auth: AuthUser): Promise<void> {
    await this.webhooks.sendTest(auth.userId);
  }

  @Get('webhook/deliveries')
  @ApiOperation({ summary: 'Recent webhook deliveries: status, attempts, response code, next retry' })
  @ApiOkResponse({ type: WebhookDeliveryPageResponse, description: 'One page of deliveries, newest first' })
  @ApiErrors(400, 401)
  deliveries(@CurrentUser() auth: AuthUser, @Query() query: PageQuery): Promise<WebhookDeliveryPageJson> {
    return this.webhooks.deliveryPage(auth.userId, query);
  }
}
