import { PlaceholderPage } from "../PlaceholderPage";

export default function ContainerDetailPage(_props: { env: string; id: string; tab: string }) {
  return <PlaceholderPage title="Container" />;
}
