package io.brguard.policy.model;

import java.math.BigDecimal;

/** One entry of {@code status.progresses}; progress is a number in v1 and an integer in v2, so it is kept exact. */
public class Progress extends Extensible {
    private String step;
    private BigDecimal progress;
    private String lastTransitionTime;

    public String getStep() { return step; }
    public void setStep(String v) { step = v; }
    public BigDecimal getProgress() { return progress; }
    public void setProgress(BigDecimal v) { progress = v; }
    public String getLastTransitionTime() { return lastTransitionTime; }
    public void setLastTransitionTime(String v) { lastTransitionTime = v; }
}
