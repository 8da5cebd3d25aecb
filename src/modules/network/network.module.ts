import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NetworkConnectionEntity } from './entities/network-connection.entity';
import { NetworkController } from './network.controller';
import { NetworkRepository } from './network.repository';
import { NetworkService } from './network.service';

@Module({
  imports: [TypeOrmModule.forFeature([NetworkConnectionEntity])],
  controllers: [NetworkController],
  providers: [NetworkRepository, NetworkService],
  exports: [NetworkRepository, NetworkService],
})
export class NetworkModule {}
