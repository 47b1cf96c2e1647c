// What several rules and masks derive from the same field of one event, computed once for that
// event: four rules read the resident ID's validation, and the address is parsed for its mask, for
// the province column and for address-incomplete. One memo lives exactly as long as the event's
// processing (process-event.ts makes one per event), so nothing derived from one person's values
// outlives that event or leaks into another's.
import { parseCnAddress, type ParsedCnAddress } from './cn-address.ts';
import { validateResidentId, type ResidentIdResult } from './cn-resident-id.ts';

export class EventMemo {
  #addressText: string | undefined;
  #address: Readonly<ParsedCnAddress> | undefined;
  #idNumber: string | undefined;
  #idAsOf: string | undefined;
  #residentId: ResidentIdResult | undefined;

  /**
   * `parseCnAddress(address)`, parsed once per distinct text within the event (the last one is
   * kept: an agent's own and relatives' addresses come one after another). Read-only: shared.
   */
  address(address: string): Readonly<ParsedCnAddress> {
    if (this.#address === undefined || this.#addressText !== address) {
      this.#address = parseCnAddress(address);
      this.#addressText = address;
    }
    return this.#address;
  }

  /** `validateResidentId(idNumber, asOf)`, validated once per event. */
  residentId(idNumber: string, asOf: string): ResidentIdResult {
    if (this.#residentId === undefined || this.#idNumber !== idNumber || this.#idAsOf !== asOf) {
      this.#residentId = validateResidentId(idNumber, asOf);
      this.#idNumber = idNumber;
      this.#idAsOf = asOf;
    }
    return this.#residentId;
  }
}

/** Parses through the event's memo when there is one. */
export function parsedAddress(address: string, memo: EventMemo | undefined): Readonly<ParsedCnAddress> {
  return memo === undefined ? parseCnAddress(address) : memo.address(address);
}
