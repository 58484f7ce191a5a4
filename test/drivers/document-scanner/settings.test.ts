import { describe, expect, it } from 'vitest';
import { parseReply } from '../../../drivers/document-scanner/protocol/messages.js';
import type { OptionDescriptor } from '../../../drivers/document-scanner/protocol/options.js';
import { toFixed } from '../../../drivers/document-scanner/protocol/wire.js';
import {
  canonicalMode,
  canonicalSource,
  chooseWord,
  describeCapabilities,
  findOption,
  geometryFor,
  nearestAllowed,
} from '../../../drivers/document-scanner/settings.js';
import { fixture } from './protocol/helpers.js';

const testBackend = (): OptionDescriptor[] => parseReply('GET_OPTION_DESCRIPTORS', fixture('get-option-descriptors.reply.bin')).frame?.options ?? [];

const opt = (p: Partial<OptionDescriptor>): OptionDescriptor => ({ name: 'x', title: '', desc: '', type: 'int', unit: 'none', size: 4, cap: 5, constraint: { type: 'none' }, ...p });

describe('words of real backends', () => {
  it('modes', () => {
    for (const w of ['Color', 'Colour', '24bit Color', 'True Color']) expect(canonicalMode(w)).toBe('color');
    for (const w of ['Gray', 'Grey', 'True Gray', 'Grayscale', '8bit Gray']) expect(canonicalMode(w)).toBe('gray');
    for (const w of ['Lineart', 'Binary', 'Black & White', 'Halftone']) expect(canonicalMode(w)).toBe('lineart');
    expect(canonicalMode('Infrared')).toBeNull();
  });
  it('sources', () => {
    for (const w of ['Flatbed', 'Normal', 'Document Table']) expect(canonicalSource(w)).toBe('flatbed');
    for (const w of ['ADF', 'Automatic Document Feeder', 'ADF Front', 'Simplex']) expect(canonicalSource(w)).toBe('adf');
    for (const w of ['ADF Duplex', 'Duplex']) expect(canonicalSource(w)).toBe('adf-duplex');
    expect(canonicalSource('Transparency Adapter')).toBeNull();
  });
  it('prefers the plain word: Lineart over Halftone, ADF Front over ADF Back', () => {
    expect(chooseWord(['Halftone', 'Lineart', 'Gray'], 'lineart', canonicalMode)).toBe('Lineart');
    expect(chooseWord(['ADF Back', 'ADF Front'], 'adf', canonicalSource)).toBe('ADF Front');
    expect(chooseWord(['Gray', 'Color'], 'lineart', canonicalMode)).toBeNull();
  });
});

describe('resolution', () => {
  it('a word list: the nearest entry (ties go up)', () => {
    const d = opt({ constraint: { type: 'word-list', words: [75, 150, 300, 600] } });
    expect(nearestAllowed(d, 200)).toBe(150);
    expect(nearestAllowed(d, 225)).toBe(300);
    expect(nearestAllowed(d, 5000)).toBe(600);
  });
  it('a FIXED range with a quantum (the test backend: 1…1200 step 1)', () => {
    const res = findOption(testBackend(), 'resolution');
    expect(res).toBeDefined();
    expect(nearestAllowed(res!.d, 75.4)).toBe(toFixed(75));
    expect(nearestAllowed(res!.d, 9999)).toBe(toFixed(1200));
    expect(nearestAllowed(res!.d, 0)).toBe(toFixed(1));
  });
  it('an INT range with step 50', () => {
    expect(nearestAllowed(opt({ constraint: { type: 'range', min: 100, max: 600, quant: 50 } }), 333)).toBe(350);
  });
});

describe('page size → geometry', () => {
  it('A6 on the test backend (200 × 200 mm area): tl = 0, br = 105 × 148 mm', () => {
    const g = geometryFor(testBackend(), 'A6', 300);
    expect(g.values.map((v) => [v.name, v.word])).toEqual([
      ['tl-x', 0],
      ['tl-y', 0],
      ['br-x', toFixed(105)],
      ['br-y', toFixed(148)],
    ]);
    expect(g.area).toEqual({ widthMm: 105, heightMm: 148 });
  });
  it('A4 is clipped to the scanner area', () => {
    expect(geometryFor(testBackend(), 'A4', 300).area).toEqual({ widthMm: 200, heightMm: 200 });
  });
  it('pixel-unit geometry is converted at the resolution', () => {
    const options = [opt({ name: '' }), opt({ name: 'br-x', unit: 'pixel', constraint: { type: 'range', min: 0, max: 5100, quant: 1 } }), opt({ name: 'br-y', unit: 'pixel', constraint: { type: 'range', min: 0, max: 7016, quant: 1 } })];
    const g = geometryFor(options, 'A4', 300);
    expect(g.values.map((v) => v.word)).toEqual([2480, 3508]);
  });
  it('a device without geometry options gets none', () => {
    expect(geometryFor([opt({ name: '' })], 'A4', 300)).toEqual({ values: [], area: null });
  });
});

describe('capabilities of the test backend', () => {
  it('modes, sources, resolutions and area', () => {
    const c = describeCapabilities('test:0', testBackend());
    expect(c.modes).toEqual([
      { mode: 'gray', name: 'Gray' },
      { mode: 'color', name: 'Color' },
    ]);
    expect(c.sources).toEqual([
      { source: 'flatbed', name: 'Flatbed' },
      { source: 'adf', name: 'Automatic Document Feeder' },
    ]);
    expect(c.resolutions).toEqual({ min: 1, max: 1200, step: 1 });
    expect(c.maxArea).toEqual({ widthMm: 200, heightMm: 200 });
    expect(c.optionCount).toBe(56);
  });
});
