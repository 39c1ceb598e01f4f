package io.proddatareset.cli;

import io.proddatareset.connect.ConnectionTarget;
import picocli.CommandLine.Mixin;

/**
 * The database and the tables to work on, as every command that works from a plan takes them: the
 * URL as first argument or the target options, and the policy options.
 */
class TargetAndPolicy {
  @Mixin UrlArgument url;
  @Mixin TargetOptions target;
  @Mixin PolicyOptions policy;

  /** The target, from the URL argument or the target options; see {@link TargetOptions#resolve}. */
  ConnectionTarget resolve(Io io) {
    return target.resolve(url.url, io);
  }
}
