/**
 * The drivers own the device kinds and card types (drivers/device.ts DEVICE_KINDS, drivers/id-card/types.ts
 * CARD_TYPES). main/contract restates both lists because it may import nothing but zod; these checks make
 * the compiler fail the day the two drift apart, in either direction.
 */
import { DEVICE_KINDS, type DeviceKind } from '../../drivers/device.js';
import { CARD_TYPES, type CardType } from '../../drivers/id-card/types.js';
import { CardType as ContractCardType, DeviceKind as ContractDeviceKind } from '../contract/index.js';

type ContractDeviceKindValue = (typeof ContractDeviceKind.options)[number];
type ContractCardTypeValue = (typeof ContractCardType.options)[number];

export const CHECKED_ENUMS = {
  /** Every contract device kind is a driver device kind… */
  contractDeviceKinds: ContractDeviceKind.options satisfies readonly DeviceKind[],
  /** …and every driver device kind is in the contract. */
  driverDeviceKinds: DEVICE_KINDS satisfies readonly ContractDeviceKindValue[],
  contractCardTypes: ContractCardType.options satisfies readonly CardType[],
  driverCardTypes: CARD_TYPES satisfies readonly ContractCardTypeValue[],
} as const;
