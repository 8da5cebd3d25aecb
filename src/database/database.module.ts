import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatabaseTarget, dataSourceOptions } from './data-source-options';
import { runMigrations } from './migrate';
import { PartitionMaintenanceService } from './partition-maintenance.service';

/**
 * TypeORM on PostgreSQL (or the embedded PGlite). The data source runs pending migrations as it
 * starts, before any module can use it.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(target: DatabaseTarget): DynamicModule {
    const targetProvider = { provide: DatabaseTarget, useValue: target };
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...dataSourceOptions(target), retryAttempts: 2, retryDelay: 1_000 }),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            const ran = await runMigrations(dataSource, { lock: !target.embedded });
            if (ran.length > 0) new Logger('Database').log(`Ran migrations: ${ran.join(', ')}`);
            return dataSource;
          },
        }),
      ],
      providers: [targetProvider, PartitionMaintenanceService],
      exports: [targetProvider, PartitionMaintenanceService],
    };
  }
}
