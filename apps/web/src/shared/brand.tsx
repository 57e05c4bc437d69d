import { MantineProvider } from '@mantine/core';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { buildTheme, cssVariablesResolver } from './theme.ts';

const SetBrandColor = createContext<(color: string | null) => void>(() => {});

/**
 * Mantine with the colour of the tenant on screen: the signed-in tenant inside /app, the tenant
 * of a /t/:slug/signin page, Billrail's own colour elsewhere.
 */
export function BrandedMantineProvider({ children }: { children: ReactNode }) {
  const [color, setColor] = useState<string | null>(null);
  const theme = useMemo(() => buildTheme(color), [color]);
  return (
    <SetBrandColor.Provider value={setColor}>
      <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} forceColorScheme="light">
        {children}
      </MantineProvider>
    </SetBrandColor.Provider>
  );
}

/** Paints the app in a tenant's primary colour while the calling page is shown. */
export function useBrandColor(color: string | null | undefined) {
  const set = useContext(SetBrandColor);
  useEffect(() => {
    set(color ?? null);
    return () => set(null);
  }, [color, set]);
}
