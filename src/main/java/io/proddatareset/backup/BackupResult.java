package io.proddatareset.backup;

import java.nio.file.Path;

/**
 * A backup that was written, read back and found to match its manifest.
 *
 * @param file the backup
 * @param manifestFile its manifest, {@code FILE.manifest.json}
 * @param jobs how many connections copied data
 * @param parts how many pieces the data was copied in
 * @param millis time taken, including the check
 */
public record BackupResult(
    Path file, Path manifestFile, BackupManifest manifest, int jobs, int parts, long millis) {}
