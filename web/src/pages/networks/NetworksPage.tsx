import { PlaceholderPage } from "../PlaceholderPage";

export default function NetworksPage(_props: { env: string }) {
  return <PlaceholderPage title="Networks" />;
}
