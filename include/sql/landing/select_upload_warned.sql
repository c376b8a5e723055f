SELECT count(*) > 0 FROM upload_warnings WHERE upload_sha256 = $upload_sha256;
