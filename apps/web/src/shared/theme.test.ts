import { describe, expect, it } from 'vitest';
import { BILLRAIL_COLOR, brandShades, contrastRatio, MIN_TEXT_CONTRAST } from './theme.ts';

describe('brandShades', () => {
  it('matches the WCAG contrast of known pairs', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#1c7ed6', '#ffffff')).toBeCloseTo(4.2, 1);
  });

  // Tenants choose any colour; white labels on it and it as text on white must stay readable.
  for (const colour of [
    '#1c7ed6',
    '#fab005',
    '#40c057',
    '#ffffff',
    '#12b886',
    '#000000',
    BILLRAIL_COLOR,
    '#e64980',
  ]) {
    it(`keeps the filled shade of ${colour} at AA contrast with white`, () => {
      const shades = brandShades(colour);
      expect(shades).toHaveLength(10);
      for (const s of shades) expect(s).toMatch(/^#[0-9a-f]{6}$/);
      expect(contrastRatio(shades[6], '#ffffff')).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
    });
  }

  it('leaves a colour that is already dark enough alone', () => {
    expect(brandShades('#0b7285')[6]).toBe('#0b7285');
  });

  it('orders the shades from light to dark', () => {
    const shades = brandShades('#1c7ed6');
    const whiteContrast = shades.map((s) => contrastRatio(s, '#ffffff'));
    for (let i = 1; i < whiteContrast.length; i++)
      expect(whiteContrast[i]!).toBeGreaterThan(whiteContrast[i - 1]!);
  });
});
