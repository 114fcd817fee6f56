import { PlaceholderPage } from "../PlaceholderPage";

export default function ImagesPage(_props: { env: string }) {
  return <PlaceholderPage title="Images" />;
}
