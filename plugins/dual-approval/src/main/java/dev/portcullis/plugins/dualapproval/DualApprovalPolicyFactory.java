package dev.portcullis.plugins.dualapproval;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.PolicySetup;

import java.util.List;

/** {@code dual-approval}: see this module's README. */
public final class DualApprovalPolicyFactory implements PolicyFactory<DualApprovalConfig> {

  public static final String ID = "dual-approval";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Class<DualApprovalConfig> configType() {
    return DualApprovalConfig.class;
  }

  @Override
  public List<Option> options() {
    return List.of();
  }

  @Override
  public void validate(DualApprovalConfig config, PolicySetup setup, ConfigErrors errors) {
    // no options: unknown ones are refused by name when the configuration is bound
  }

  @Override
  public Policy create(DualApprovalConfig config, PolicySetup setup) {
    return new DualApprovalPolicy();
  }
}
