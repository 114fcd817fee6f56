import { PlaceholderPage } from "../PlaceholderPage";

export default function AdminPage(_props: { section: string }) {
  return <PlaceholderPage title="Administration" />;
}
