import {
  type CSSVariablesResolver,
  createTheme,
  type MantineColorsTuple,
  type MantineThemeOverride,
} from '@mantine/core';

/** Billrail's own colour, used where no tenant is known yet (the plain /signin page). */
export const BILLRAIL_COLOR = '#0b7285';

/** WCAG 2.x AA for normal-size text; white labels on filled buttons must reach it. */
export const MIN_TEXT_CONTRAST = 4.5;
// Shade 6 is also the colour of links and of the tenant's name on white, and sits next to pale
// tints of itself, so it aims a little above the bare minimum.
const TARGET_CONTRAST = 5;

type Rgb = [number, number, number];

function parseHex(hex: string): Rgb | null {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return null;
  const n = Number.parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const toHex = (rgb: Rgb) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;

const mix = (a: Rgb, b: Rgb, weightOfB: number): Rgb =>
  [0, 1, 2].map((i) => a[i]! + (b[i]! - a[i]!) * weightOfB) as Rgb;

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];

/** Relative luminance as defined by WCAG 2.x. */
export function luminance(hex: string): number {
  const rgb = parseHex(hex) ?? BLACK;
  const [r, g, b] = rgb.map((c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Ten shades of a tenant's colour in Mantine's layout (0 lightest, 9 darkest, 6 the filled shade).
 * Tenants pick any colour, so shade 6 is darkened just enough, keeping its hue, for white text on
 * it and for it as text on white to stay readable.
 */
export function brandShades(color: string): MantineColorsTuple {
  const base = parseHex(color) ?? parseHex(BILLRAIL_COLOR)!;
  let filled = base;
  for (let w = 0.02; contrastRatio(toHex(filled), '#ffffff') < TARGET_CONTRAST && w <= 1; w += 0.02) {
    filled = mix(base, BLACK, w);
  }
  const lighter = [0.9, 0.8, 0.64, 0.46, 0.3, 0.15].map((w) => toHex(mix(base, WHITE, w)));
  const darker = [0.12, 0.24, 0.36].map((w) => toHex(mix(filled, BLACK, w)));
  return [...lighter, toHex(filled), ...darker] as unknown as MantineColorsTuple;
}

// Mantine's stock light-scheme grey for secondary text and red for errors sit near 3.3:1 on white;
// these keep every text colour at AA.
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-error': 'var(--mantine-color-red-9)',
  },
  dark: {},
});

export function buildTheme(primaryColor: string | null | undefined): MantineThemeOverride {
  return createTheme({
    colors: { brand: brandShades(primaryColor ?? BILLRAIL_COLOR) },
    primaryColor: 'brand',
    primaryShade: 6,
    defaultRadius: 'md',
    headings: { fontWeight: '650' },
    cursorType: 'pointer',
  });
}
