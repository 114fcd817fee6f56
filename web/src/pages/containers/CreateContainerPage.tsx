import { PlaceholderPage } from "../PlaceholderPage";

export default function CreateContainerPage(_props: { env: string }) {
  return <PlaceholderPage title="New container" />;
}
