import { Injectable } from '@nestjs/common';

/**
 * Process lifecycle as the rest of the service needs to know it: once shutdown begins, readiness
 * reports 503 so load balancers stop sending new work while in-flight work finishes.
 */
@Injectable()
export class LifecycleState {
  private shuttingDownSince: Date | null = null;

  beginShutdown(): void {
    this.shuttingDownSince ??= new Date();
  }

  get isShuttingDown(): boolean {
    return this.shuttingDownSince !== null;
  }
}
