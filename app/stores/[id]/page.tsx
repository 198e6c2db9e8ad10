import { StoreDashboard } from '@/components/StoreDashboard';

export default async function StorePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <StoreDashboard storeId={id} />;
}
