import { lazy, Suspense } from 'react';
import { FullPageLoader } from '../shared/pages.tsx';
import { useSession } from '../shared/session.ts';

// /app/dashboard is the consumer's own dashboard for consumers and the collections dashboard for
// the back office (tenant admin, CSO); each is its own chunk.
const ConsumerDashboard = lazy(() =>
  import('../consumer/DashboardPage.tsx').then((m) => ({ default: m.DashboardPage })),
);
const StaffDashboard = lazy(() =>
  import('./DashboardPage.tsx').then((m) => ({ default: m.StaffDashboardPage })),
);

export function DashboardRoute() {
  const session = useSession();
  return (
    <Suspense fallback={<FullPageLoader />}>
      {session.user.role === 'consumer' ? <ConsumerDashboard /> : <StaffDashboard />}
    </Suspense>
  );
}
