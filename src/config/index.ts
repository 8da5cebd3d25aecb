export { AppConfig, type AppConfigValues, type LogLevel, type NodeEnv } from './app-config';
export { ConfigError, loadConfig, type Env } from './load-config';
export { ConfigModule } from './config.module';
