import { PlaceholderPage } from "../PlaceholderPage";

export default function VolumesPage(_props: { env: string }) {
  return <PlaceholderPage title="Volumes" />;
}
