/**
 * SAMPLE e-certificates (电子证照) the embedded platform holds for the sample identities, keyed by the
 * holder token the kiosk computes (HMAC of the ID number with the profile's holder key). Fictional:
 * titles and issuers are made up. 张晓宁 has one of every type the sample catalog asks for; 马秀兰 only a
 * household register; the others none, so journeys through the scan and the commitment are exercised.
 */
import { SAMPLE_IDENTITIES } from '../../drivers/id-card/samples.js';
import { holderToken } from '../platform/signing.js';
import type { SimCertificate } from '../platform/simulator.js';

const ALL_TYPES: readonly [type: string, title: string, issuer: string][] = [
  ['residence-permit', '宁夏回族自治区居住证（样例）', '银川市公安局兴庆区分局'],
  ['household-register', '居民户口簿（样例）', '银川市公安局'],
  ['birth-medical-certificate', '出生医学证明（样例）', '银川市妇幼保健院'],
  ['death-medical-certificate', '居民死亡医学证明（样例）', '银川市第一人民医院'],
  ['cremation-certificate', '火化证明（样例）', '银川市殡仪馆'],
  ['business-licence', '电子营业执照（样例）', '银川市市场监督管理局'],
];

const HOLDINGS: Record<string, readonly string[]> = {
  'resident-zhang': ALL_TYPES.map(([t]) => t),
  'resident-longterm': ['household-register'],
};

export function sampleCertificates(holderKeyBase64: string, now = Date.now()): SimCertificate[] {
  const key = Buffer.from(holderKeyBase64, 'base64');
  const out: SimCertificate[] = [];
  const issued = new Date(now - 200 * 86_400_000).toISOString();
  const expires = new Date(now + 165 * 86_400_000).toISOString();
  for (const [sample, types] of Object.entries(HOLDINGS)) {
    const id = SAMPLE_IDENTITIES[sample];
    if (!id) continue;
    const holder = holderToken(key, id.idNumber);
    for (const [type, title, issuer] of ALL_TYPES) {
      if (!types.includes(type)) continue;
      out.push({ id: `SIM-${type}-${sample}`, type, title, issuer, issuedAt: issued, ...(type === 'residence-permit' ? { expiresAt: expires } : {}), data: { sample: true }, holder });
    }
  }
  return out;
}
