import { StoresOverview } from '@/components/StoresOverview';

export default function StoresPage() {
  return <StoresOverview />;
}
