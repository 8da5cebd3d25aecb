import { UserJson } from '../../user/user.mapper';

export interface TokenResponse {
  user: UserJson;
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}
