import { AuthSessionEntity } from '../modules/auth/entities/auth-session.entity';
import { RefreshTokenEntity } from '../modules/auth/entities/refresh-token.entity';
import { EarningEntity } from '../modules/earnings/entities/earning.entity';
import { LedgerFlushEntity } from '../modules/earnings/entities/ledger-flush.entity';
import { UserBalanceEntity } from '../modules/earnings/entities/user-balance.entity';
import { NotificationDeliveryEntity } from '../modules/notification/entities/notification-delivery.entity';
import { NotificationPreferenceEntity } from '../modules/notification/entities/notification-preference.entity';
import { NotificationEntity } from '../modules/notification/entities/notification.entity';
import { WebhookEndpointEntity } from '../modules/notification/entities/webhook-endpoint.entity';
import { NetworkConnectionEntity } from '../modules/network/entities/network-connection.entity';
import { ReferralEntity } from '../modules/referral/entities/referral.entity';
import { SettlementAccountEntity } from '../modules/settlement/entities/settlement-account.entity';
import { SettlementEpochEntity } from '../modules/settlement/entities/settlement-epoch.entity';
import { SettlementLeafEntity } from '../modules/settlement/entities/settlement-leaf.entity';
import { SettlementStateEntity } from '../modules/settlement/entities/settlement-state.entity';
import { UserEntity } from '../modules/user/entities/user.entity';
import { WalletChallengeEntity } from '../modules/wallet/entities/wallet-challenge.entity';

/** Every entity of the schema; the migrations must create exactly these (see the drift test). */
export const ENTITIES = [
  UserEntity,
  NetworkConnectionEntity,
  EarningEntity,
  UserBalanceEntity,
  LedgerFlushEntity,
  ReferralEntity,
  AuthSessionEntity,
  RefreshTokenEntity,
  NotificationEntity,
  NotificationDeliveryEntity,
  NotificationPreferenceEntity,
  WebhookEndpointEntity,
  WalletChallengeEntity,
  SettlementStateEntity,
  SettlementEpochEntity,
  SettlementLeafEntity,
  SettlementAccountEntity,
];
