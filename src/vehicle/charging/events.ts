/** What the charging engine tells its node (DESIGN.md §6 events, plus the API-poll requests of reference §2.11). */

export type LearningRejection =
  /** Less than 5 points gained: BMW's whole-percent SOC makes the measurement too coarse. */
  | 'soc_gain_too_small'
  | 'no_energy'
  /** Outside 40–98 %: a measuring error, not an efficiency. */
  | 'efficiency_out_of_range'
  /** Beyond 2σ of this condition's history. */
  | 'outlier'
  /** Part of the session's energy went unmeasured (a long gap, a long restart, a clock jump). */
  | 'energy_uncounted'
  /** Part of the energy was derived from BMW's SOC steps at the efficiency in use (DC between power bursts). */
  | 'energy_from_soc'
  /** Too much of the energy was counted at a phase count that later changed. */
  | 'phase_count_changed'
  /** BMW's SOC after the charge came later than the grace period. */
  | 'end_soc_too_late';

export type PollReason = 'phase_count' | 'charge_end_check' | 'charge_ended';

export type ChargingEvent =
  | { type: 'charge_started'; at: number; anchorSoc: number | null }
  | { type: 'charge_ended'; at: number; soc: number | null }
  | { type: 'learning_updated'; at: number; condition: string; value: number; samples: number; measured: number }
  | {
      type: 'learning_rejected';
      at: number;
      condition: string | null;
      reason: LearningRejection;
      measured: number | null;
    }
  | { type: 'charge_should_have_ended'; at: number; reason: 'time_remaining_elapsed' | 'ceiling_reached' }
  | { type: 'phase_count_missing'; at: number }
  /** Ask the REST API once for fresh values (quota permitting): the node decides whether it can. */
  | { type: 'poll_requested'; at: number; reason: PollReason };
