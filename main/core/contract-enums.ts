/**
 * The drivers own the device kinds and card types (drivers/device.ts DEVICE_KINDS, drivers/id-card/types.ts
 * CARD_TYPES). main/contract restates both lists because it may import nothing but zod; these checks make
 * the compiler fail the day the two drift apart, in either direction. The same for the platform's case states
 * (main/platform/schemas.ts CaseState), which the contract's CaseStateKey lists beside the kiosk's own three.
 */
import { DEVICE_KINDS, type DeviceKind } from '../../drivers/device.js';
import { CARD_TYPES, type CardType } from '../../drivers/id-card/types.js';
import { CardType as ContractCardType, CaseStateKey, DeviceKind as ContractDeviceKind, KIOSK_CASE_STATES } from '../contract/index.js';
import { CaseState, type CaseState as PlatformCaseState } from '../platform/schemas.js';

type ContractDeviceKindValue = (typeof ContractDeviceKind.options)[number];
type ContractCardTypeValue = (typeof ContractCardType.options)[number];
type ContractCaseStateValue = (typeof CaseStateKey.options)[number];
type KioskCaseState = (typeof KIOSK_CASE_STATES)[number];

export const CHECKED_ENUMS = {
  /** Every contract device kind is a driver device kind… */
  contractDeviceKinds: ContractDeviceKind.options satisfies readonly DeviceKind[],
  /** …and every driver device kind is in the contract. */
  driverDeviceKinds: DEVICE_KINDS satisfies readonly ContractDeviceKindValue[],
  contractCardTypes: ContractCardType.options satisfies readonly CardType[],
  driverCardTypes: CARD_TYPES satisfies readonly ContractCardTypeValue[],
  /** Every contract case state is the platform's or one of the kiosk's own three… */
  contractCaseStates: CaseStateKey.options.filter((s): s is Exclude<ContractCaseStateValue, KioskCaseState> => !(KIOSK_CASE_STATES as readonly string[]).includes(s)) satisfies readonly PlatformCaseState[],
  /** …and every platform case state is in the contract. */
  platformCaseStates: CaseState.options satisfies readonly ContractCaseStateValue[],
} as const;
