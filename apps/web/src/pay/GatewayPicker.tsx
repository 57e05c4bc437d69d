import './pay.css';
import { Box, Group, Radio, SimpleGrid, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { GatewayMark } from '../consumer/components.tsx';
import { useFormat } from '../consumer/format.ts';
import { methodName } from '../consumer/labels.ts';
import type { PaymentMethod } from '../consumer/types.ts';

/**
 * The gateways the biller has switched on, one card each with the ways to pay it offers (seed 002
 * "gateway cards"): a radio group, so a keyboard and a screen reader choose one like any other.
 * Shared by Bill Pay, quick pay and payment links; the page keeps the choice.
 */
export function GatewayPicker({
  methods,
  value,
  onChange,
  label,
}: {
  methods: PaymentMethod[];
  value: string | null;
  onChange: (gateway: string) => void;
  /** The group's heading, in the page's words. */
  label: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <Radio.Group
      value={value}
      onChange={onChange}
      name="gateway"
      label={
        <Title order={2} size="h4" component="span">
          {label}
        </Title>
      }
    >
      <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm" mt="sm">
        {methods.map((m) => (
          <Radio.Card
            key={m.gateway}
            value={m.gateway}
            radius="md"
            p="md"
            aria-label={m.display_name}
            data-testid={`gateway-${m.gateway}`}
            className="gateway-card"
          >
            <Group wrap="nowrap" gap="sm" align="center">
              <Radio.Indicator />
              <GatewayMark gateway={m.gateway} />
              <Box miw={0}>
                <Text component="span" display="block" fw={600}>
                  {m.display_name}
                </Text>
                <Text component="span" display="block" size="xs" c="dimmed">
                  {f.list(m.methods.map((x) => methodName(x, t)))}
                </Text>
              </Box>
            </Group>
          </Radio.Card>
        ))}
      </SimpleGrid>
    </Radio.Group>
  );
}
