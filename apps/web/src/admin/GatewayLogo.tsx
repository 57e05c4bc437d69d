/**
 * Simple marks for the gateway cards, drawn here so the page needs no third-party image. Each is
 * the gateway's initial on its usual colour; the name is always written beside it.
 */
const MARKS: Record<string, { bg: string; letter: string }> = {
  stripe: { bg: '#635bff', letter: 'S' },
  doku: { bg: '#e1251b', letter: 'D' },
  sandbox: { bg: '#2b8a3e', letter: 'B' },
};

export function GatewayLogo({ gateway, size = 44 }: { gateway: string; size?: number }) {
  const mark = MARKS[gateway] ?? { bg: '#495057', letter: gateway.charAt(0).toUpperCase() };
  return (
    <svg width={size} height={size} viewBox="0 0 44 44" aria-hidden="true" data-testid={`logo-${gateway}`}>
      <rect width="44" height="44" rx="10" fill={mark.bg} />
      <text
        x="22"
        y="30"
        textAnchor="middle"
        fontFamily="system-ui, sans-serif"
        fontSize="22"
        fontWeight="700"
        fill="#fff"
      >
        {mark.letter}
      </text>
    </svg>
  );
}
