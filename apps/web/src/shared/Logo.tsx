import type { Branding } from '@billrail/contracts';
import { Avatar, Image } from '@mantine/core';

/** Billrail's mark: a receipt on the brand colour (the same drawing as the favicon). */
export function BillrailMark({ size = 40 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 64 64" aria-hidden="true" focusable="false">
      <rect width="64" height="64" rx="14" fill="#0b7285" />
      <path
        d="M18 12h28a2 2 0 0 1 2 2v38l-5-3.5-5 3.5-5-3.5-5 3.5-5-3.5-5 3.5V14a2 2 0 0 1 2-2Z"
        fill="#fff"
      />
      <path d="M24 23h16M24 31h16M24 39h9" stroke="#0b7285" strokeWidth="3.4" strokeLinecap="round" />
    </svg>
  );
}

/**
 * A tenant's logo, or its initials in its colour when it has none. Decorative: the tenant's name
 * is always written next to it.
 */
export function TenantLogo({ tenant, size = 40 }: { tenant: Branding; size?: number }) {
  if (tenant.logo_url) {
    return <Image src={tenant.logo_url} alt="" w={size} h={size} fit="contain" />;
  }
  if (tenant.slug === 'platform') return <BillrailMark size={size} />;
  return (
    <Avatar size={size} radius="md" color="brand" variant="filled" aria-hidden="true">
      {initials(tenant.display_name)}
    </Avatar>
  );
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]![0], words[words.length - 1]![0]] : [name.trim().slice(0, 2)];
  return letters.join('').toUpperCase();
}
