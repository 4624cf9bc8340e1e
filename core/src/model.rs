//! The domain vocabulary: small `Copy` enums that a [`Patient`](crate::Patient) stores as bytes.
//!
//! Every enum here has a stable textual form (`as_str`) that the writers use, and the
//! scenario model uses the same spelling when it reads JSON, so a name means one thing
//! everywhere in milmed.

use serde::{Deserialize, Serialize};

macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[repr(u8)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The textual form used in scenarios and outputs.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the textual form produced by [`as_str`](Self::as_str).
            pub fn from_name(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// Position of the value in [`ALL`](Self::ALL); useful to index tables.
            pub const fn index(self) -> usize {
                self as usize
            }

            /// The textual forms of every value, comma separated (for error messages).
            pub fn allowed() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum! {
    /// A place in the NATO evacuation chain, in the order a casualty moves through it.
    Facility {
        /// Point of injury: where the casualty happened; first aid by comrades and medics.
        Poi => "POI",
        /// Role 1: unit medical station; triage, resuscitation, stabilisation.
        Role1 => "Role1",
        /// Role 2: forward surgical capability; damage-control surgery.
        Role2 => "Role2",
        /// Role 3: deployed hospital; specialist surgery and intensive care.
        Role3 => "Role3",
        /// Role 4: definitive care out of theatre, usually in the home nation.
        Role4 => "Role4",
    }
}

named_enum! {
    /// NATO triage category (T1 immediate, T2 delayed, T3 minimal, T4 expectant).
    Triage {
        /// Immediate: life-saving intervention needed now.
        T1 => "T1",
        /// Delayed: serious, but can wait for treatment.
        T2 => "T2",
        /// Minimal: walking wounded.
        T3 => "T3",
        /// Expectant: injuries that cannot be survived; comfort care only. Assigned only
        /// where the scenario asks for it (`expectant_triage`), as in mass-casualty triage.
        T4 => "T4",
    }
}

named_enum! {
    /// The three casualty classes of the injury mix.
    InjuryType {
        /// Injury caused by hostile action.
        BattleInjury => "Battle Injury",
        /// Injury not caused by hostile action (accidents, falls, climate).
        NonBattleInjury => "Non-Battle Injury",
        /// Illness, infectious or not, including combat stress.
        Disease => "Disease",
    }
}

named_enum! {
    /// Administrative gender, as FHIR spells it.
    Gender {
        /// Male.
        Male => "male",
        /// Female.
        Female => "female",
    }
}

named_enum! {
    /// How a patient's journey ends, in NATO doctrine.
    Outcome {
        /// Killed in action: died before reaching a Role 1 facility.
        Kia => "KIA",
        /// Died of wounds: died at or after reaching Role 1.
        Dow => "DOW",
        /// Returned to duty.
        Rtd => "RTD",
        /// Evacuated out of theatre and still in care at Role 4 when the record ends.
        RemainsRole4 => "Remains_Role4",
    }
}

named_enum! {
    /// The eight warfare types a scenario can mix.
    WarfareType {
        /// Conventional combined-arms combat.
        Conventional => "conventional",
        /// Artillery and other indirect fire.
        Artillery => "artillery",
        /// Urban combat and building clearance.
        Urban => "urban",
        /// Guerrilla and insurgent action.
        Guerrilla => "guerrilla",
        /// Drone and precision strikes.
        Drone => "drone",
        /// Naval and amphibious operations.
        Naval => "naval",
        /// Chemical, biological, radiological or nuclear incident.
        Cbrn => "cbrn",
        /// Peacekeeping and stabilisation.
        Peacekeeping => "peacekeeping",
    }
}

named_enum! {
    /// Overall combat intensity of a scenario.
    Intensity {
        /// Low intensity.
        Low => "low",
        /// Medium intensity.
        Medium => "medium",
        /// High intensity.
        High => "high",
        /// Extreme intensity.
        Extreme => "extreme",
    }
}

named_enum! {
    /// How the casualty rate evolves over the days of the operation.
    Tempo {
        /// Steady rate every day.
        Sustained => "sustained",
        /// Rate grows day after day.
        Escalating => "escalating",
        /// A peak early in the operation, then recovery.
        Surge => "surge",
        /// Rate falls day after day.
        Declining => "declining",
        /// Alternating busy and quiet days.
        Intermittent => "intermittent",
    }
}

named_enum! {
    /// Scenario-level events that add concentrated casualty clusters.
    SpecialEvent {
        /// A major offensive: a day of much higher activity starting at dawn.
        MajorOffensive => "major_offensive",
        /// Ambushes at dawn or dusk on a few days of each week.
        Ambush => "ambush",
        /// Occasional mass-casualty incidents.
        MassCasualty => "mass_casualty",
    }
}

named_enum! {
    /// Environmental conditions that slow evacuation and shift activity and conditions.
    Environment {
        /// Rain.
        Rain => "rain",
        /// Fog.
        Fog => "fog",
        /// Storm.
        Storm => "storm",
        /// Extreme heat.
        ExtremeHeat => "extreme_heat",
        /// Extreme cold.
        ExtremeCold => "extreme_cold",
        /// Dust storm.
        DustStorm => "dust_storm",
        /// Operations mostly at night.
        NightOperations => "night_operations",
        /// Mountainous terrain.
        MountainousTerrain => "mountainous_terrain",
        /// Urban debris.
        UrbanDebris => "urban_debris",
    }
}

named_enum! {
    /// ABO blood group with Rh factor.
    BloodGroup {
        /// O Rh positive.
        OPos => "O+",
        /// O Rh negative.
        ONeg => "O-",
        /// A Rh positive.
        APos => "A+",
        /// A Rh negative.
        ANeg => "A-",
        /// B Rh positive.
        BPos => "B+",
        /// B Rh negative.
        BNeg => "B-",
        /// AB Rh positive.
        AbPos => "AB+",
        /// AB Rh negative.
        AbNeg => "AB-",
    }
}

impl BloodGroup {
    /// The ABO group alone (`"O"`, `"A"`, `"B"` or `"AB"`).
    pub const fn abo(self) -> &'static str {
        match self {
            BloodGroup::OPos | BloodGroup::ONeg => "O",
            BloodGroup::APos | BloodGroup::ANeg => "A",
            BloodGroup::BPos | BloodGroup::BNeg => "B",
            BloodGroup::AbPos | BloodGroup::AbNeg => "AB",
        }
    }

    /// Whether the Rh(D) factor is present.
    pub const fn rh_positive(self) -> bool {
        matches!(
            self,
            BloodGroup::OPos | BloodGroup::APos | BloodGroup::BPos | BloodGroup::AbPos
        )
    }
}

named_enum! {
    /// What happened at one point of a patient's journey.
    EventKind {
        /// The patient arrived at a facility (at POI: the moment of injury).
        Arrival => "arrival",
        /// Care at the facility is done and evacuation is requested.
        EvacuationStart => "evacuation_start",
        /// The patient left the facility towards the next one.
        TransitStart => "transit_start",
        /// Died before reaching Role 1.
        Kia => "kia",
        /// Died at or after Role 1.
        Dow => "dow",
        /// Returned to duty.
        Rtd => "rtd",
        /// Still in care at Role 4 when the record ends.
        RemainsRole4 => "remains_role4",
    }
}

impl EventKind {
    /// Whether this event ends the journey.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            EventKind::Kia | EventKind::Dow | EventKind::Rtd | EventKind::RemainsRole4
        )
    }
}

named_enum! {
    /// Coarse body region of an injury, as the ancestor's `body_part`.
    BodyRegion {
        /// Head and neck.
        Head => "Head",
        /// Chest, abdomen, pelvis and back.
        Torso => "Torso",
        /// Left arm.
        LeftArm => "Left Arm",
        /// Right arm.
        RightArm => "Right Arm",
        /// Left leg.
        LeftLeg => "Left Leg",
        /// Right leg.
        RightLeg => "Right Leg",
        /// No single region: systemic illness.
        Systemic => "Systemic",
    }
}

impl Triage {
    /// Urgency rank: 0 for the most urgent category (T1), 3 for expectant.
    pub const fn urgency(self) -> u8 {
        self as u8
    }

    /// Row of the dwell, wait and transit tables: an expectant casualty moves like an
    /// immediate one (he dies within minutes anyway).
    pub const fn flow_index(self) -> usize {
        match self {
            Triage::T4 => 0,
            other => other as usize,
        }
    }
}

named_enum! {
    /// How casualties are evacuated: NATO's 10-1-2 timelines, or an alternative for a
    /// degraded or contested setting ([`crate::reference::evacuation::POLICIES`]).
    EvacuationPolicy {
        /// AJP-4.10's 10-1-2: bleeding and airway controlled within 10 minutes, advanced
        /// resuscitation within 1 hour, damage-control surgery within 2 hours of wounding;
        /// helicopters fly most urgent casualties, straight to surgery when they need it.
        TenOneTwo => "10-1-2",
        /// Contested setting: helicopters fly a minority of missions, ground evacuation
        /// waits for a safe window.
        DelayedEvacuation => "delayed_evacuation",
        /// No air evacuation at all (airspace denied, no aircraft): ground and sea only.
        NoAirEvacuation => "no_air_evacuation",
        /// Prolonged field care: evacuation held for hours to days by distance, weather
        /// or threat; casualties are cared for at the point of injury and at Role 1.
        ProlongedFieldCare => "prolonged_field_care",
    }
}

named_enum! {
    /// The platform that carries a casualty on one leg of his evacuation.
    Asset {
        /// Ground ambulance.
        Ground => "ground",
        /// Rotary-wing aircraft (MEDEVAC helicopter).
        RotaryWing => "rotary_wing",
        /// Boat or ship (at sea and in amphibious operations).
        Naval => "naval",
        /// Fixed-wing strategic aeromedical evacuation out of theatre.
        FixedWing => "fixed_wing",
    }
}

named_enum! {
    /// How an injury or illness came about.
    Mechanism {
        /// Bullet or other small-arms projectile.
        Gunshot => "gunshot",
        /// Explosion: fragments, blast and its secondary effects.
        Explosive => "explosive",
        /// Blunt force: falls, vehicle crashes, crush, sport.
        Blunt => "blunt",
        /// Flame, hot surfaces or fire.
        Thermal => "thermal",
        /// Chemical agent or industrial chemical.
        Chemical => "chemical",
        /// Climate: heat or cold.
        Environmental => "environmental",
        /// Infection.
        Infectious => "infectious",
        /// Psychological strain.
        Psychological => "psychological",
        /// Other illness, neither infectious nor psychological.
        Medical => "medical",
        /// Ionizing radiation (radiological or nuclear exposure).
        Radiological => "radiological",
    }
}

named_enum! {
    /// Where on the body a condition sits, finer than [`BodyRegion`]: the torso is split
    /// into chest and abdomen (with pelvis), because the care differs (a chest drain or a
    /// laparotomy).
    Site {
        /// Head, face and neck.
        Head => "Head",
        /// Chest (thorax).
        Chest => "Chest",
        /// Abdomen, pelvis and lower back.
        Abdomen => "Abdomen",
        /// Left arm.
        LeftArm => "Left Arm",
        /// Right arm.
        RightArm => "Right Arm",
        /// Left leg.
        LeftLeg => "Left Leg",
        /// Right leg.
        RightLeg => "Right Leg",
        /// No single site: systemic illness.
        Systemic => "Systemic",
    }
}

impl Site {
    /// The coarse region of the ancestor's `body_part`.
    pub const fn region(self) -> BodyRegion {
        match self {
            Site::Head => BodyRegion::Head,
            Site::Chest | Site::Abdomen => BodyRegion::Torso,
            Site::LeftArm => BodyRegion::LeftArm,
            Site::RightArm => BodyRegion::RightArm,
            Site::LeftLeg => BodyRegion::LeftLeg,
            Site::RightLeg => BodyRegion::RightLeg,
            Site::Systemic => BodyRegion::Systemic,
        }
    }

    /// Whether the site is an arm or a leg.
    pub const fn is_limb(self) -> bool {
        matches!(
            self,
            Site::LeftArm | Site::RightArm | Site::LeftLeg | Site::RightLeg
        )
    }
}
