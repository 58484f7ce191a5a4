import type { FieldView } from '../contract/index.js';

/**
 * What a simulated citizen types into a field of the sample catalog (tests and the bench drive whole journeys
 * with it): a valid value of the field's kind, fictional. One place, so every driver fills a form the same way.
 */
export function sampleInput(f: Pick<FieldView, 'kind' | 'options'>): string {
  switch (f.kind) {
    case 'choice':
      return f.options?.[0]?.value ?? '';
    case 'yesno':
      return 'yes';
    case 'date':
      return '2025-01-15';
    case 'phone':
      return '13912345678';
    case 'digits':
      return '6222020200112233445';
    case 'chinese':
      return '金凤区北京中路九号';
    case 'text':
      return '测试';
  }
}
