import { Controller, Get, Header, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DashboardErrorType } from '../../common/errors';
import { ApiErrors } from '../../openapi';
import { Public } from '../auth/guards/public.decorator';
import { UnsubscribeQuery } from './dto/unsubscribe.query';
import { NotificationService } from './notification.service';
import { escapeHtml } from './notification-text';

const HTML = 'text/html; charset=utf-8';

/**
 * Email unsubscribe links (public: the token is the credential). Opening a link changes nothing
 * (mail scanners open links); the page's button, or a mail client's RFC 8058 one-click POST, does.
 */
@ApiTags('notifications')
@Public()
@Controller('api/notifications/unsubscribe')
export class UnsubscribeController {
  constructor(private readonly notifications: NotificationService) {}

  @Get()
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'The page an email’s unsubscribe link opens: a button to confirm (changes nothing by itself)' })
  @ApiOkResponse({ description: 'An HTML page', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiErrors({ status: 400, errors: [DashboardErrorType.ValidationError], when: 'missing token' })
  unsubscribePage(@Query() query: UnsubscribeQuery): string {
    return page(
      'Unsubscribe',
      `<p>Stop receiving these notifications by email?</p>
<form method="post" action="?token=${escapeHtml(encodeURIComponent(query.token))}"><button type="submit">Unsubscribe</button></form>`,
    );
  }

  @Post()
  @HttpCode(200)
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Turn email off for the link’s notification type (also RFC 8058 one-click)' })
  @ApiOkResponse({ description: 'An HTML page confirming it', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiErrors({ status: 400, errors: [DashboardErrorType.ValidationError], when: 'missing or invalid token' })
  async unsubscribe(@Query() query: UnsubscribeQuery): Promise<string> {
    const { type } = await this.notifications.unsubscribe(query.token);
    return page('Unsubscribed', `<p>You will no longer receive <strong>${escapeHtml(type)}</strong> notifications by email. Other channels are unchanged.</p>`);
  }
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto">${body}</body></html>`;
}
