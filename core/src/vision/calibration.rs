//! The expression calibration: a softmax layer over what the two expression networks make of a
//! face (FER's log-probabilities and the pooled channels of its last block, and face-api.js's
//! log-probabilities, each averaged over a few views), fitted on labelled real faces.
//!
//! Why: mini-Xception was trained on FER2013's small web crops. It is sure of smiles and unsure
//! of everything else: on news-style and posed faces it read disgust and fear as sadness or
//! anger, and a sad face as neutral, which the bot used to answer with happy songs. Its seven
//! outputs alone cannot be moved far enough (disgust stays below 0.3 recall whatever the weights);
//! the 128 channels under them still hold what tells disgust from anger. The layer is fitted
//! class-balanced (rare expressions count), and the views (the face and its mirror image) steady
//! a reading one crop leaves to chance. A second network ([`crate::vision::faceapi`]) adds a
//! judge that errs elsewhere. An expression with too few labelled faces to fit (fear: six) keeps
//! the sum of the two networks' log-probabilities as its row, unfitted. It is fitted by
//! `tools/fit_face_calibration.py` from what `moodtune eval photos --dump` writes, with persons
//! held out; its figures are stored beside the weights.

use std::sync::OnceLock;

use crate::vision::expression::{Reading, View, FEATURES};

const EMBEDDED: &str = include_str!("../../data/models/face-calibration.json");

/// Inputs of the layer without the second network: FER's 7 averaged log-probabilities, then its
/// standardised features; the second network's 7 averaged log-probabilities follow when the
/// calibration reads it.
const INPUTS: usize = 7 + FEATURES;

/// What the two networks make of one face, through the calibration's views, in their order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaceReadings {
    /// FER, one reading per [`Calibration::views`].
    pub fer: Vec<Reading>,
    /// The second network's probabilities (FER's order), one per [`Calibration::second_views`].
    pub second: Vec<[f32; 7]>,
}

/// A fitted calibration (the shipped one is [`Calibration::embedded`]).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Calibration {
    /// The views of each face whose FER readings are averaged.
    pub views: Vec<View>,
    /// The views of each face the second network reads (none: it is not read).
    #[serde(default)]
    pub second_views: Vec<View>,
    /// Feature means, subtracted before the layer.
    pub feature_mean: Vec<f32>,
    /// Feature scales, divided by before the layer.
    pub feature_scale: Vec<f32>,
    /// One row per output expression (FER order) over the inputs (see [`INPUTS`]).
    pub weights: Vec<Vec<f32>>,
    /// One bias per output expression.
    pub bias: [f32; 7],
}

/// Probabilities this small are read as this (the log of zero is no evidence, not minus infinity).
const FLOOR: f32 = 1e-3;

/// Why a calibration file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// Not the JSON of a [`Calibration`].
    #[error("face calibration is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Sizes that do not match this build's FER model.
    #[error("face calibration does not match this build ({0})")]
    Shape(&'static str),
}

impl Calibration {
    /// The calibration shipped with this build.
    pub fn embedded() -> &'static Calibration {
        static CELL: OnceLock<Calibration> = OnceLock::new();
        CELL.get_or_init(|| {
            Calibration::from_json(EMBEDDED).expect("the embedded calibration matches this build")
        })
    }

    /// Parses and checks a calibration file.
    pub fn from_json(text: &str) -> Result<Calibration, CalibrationError> {
        let c: Calibration = serde_json::from_str(text)?;
        if c.views.is_empty() {
            return Err(CalibrationError::Shape("no views"));
        }
        if c.feature_mean.len() != FEATURES || c.feature_scale.len() != FEATURES {
            return Err(CalibrationError::Shape("feature count"));
        }
        if c.weights.len() != 7 || c.weights.iter().any(|w| w.len() != c.inputs()) {
            return Err(CalibrationError::Shape("weights"));
        }
        Ok(c)
    }

    /// How many inputs the layer reads.
    fn inputs(&self) -> usize {
        INPUTS + if self.second_views.is_empty() { 0 } else { 7 }
    }

    /// Calibrated expression probabilities (FER order) from a face's readings. With no FER
    /// reading at all, a face is read as neutral; a missing second reading counts as no
    /// evidence from that network.
    pub fn apply(&self, readings: &FaceReadings) -> [f32; 7] {
        if readings.fer.is_empty() {
            let mut calm = [0.0; 7];
            calm[6] = 1.0;
            return calm;
        }
        let mut x = vec![0.0f32; self.inputs()];
        let share = 1.0 / readings.fer.len() as f32;
        for r in &readings.fer {
            for (xi, p) in x.iter_mut().zip(&r.probabilities) {
                *xi += (p.max(0.0) + FLOOR).ln() * share;
            }
            for (xi, v) in x[7..INPUTS].iter_mut().zip(&r.features) {
                *xi += v * share;
            }
        }
        for (j, xi) in x[7..INPUTS].iter_mut().enumerate() {
            *xi = (*xi - self.feature_mean[j]) / self.feature_scale[j].max(1e-6);
        }
        if x.len() > INPUTS && !readings.second.is_empty() {
            let share = 1.0 / readings.second.len() as f32;
            for r in &readings.second {
                for (xi, p) in x[INPUTS..].iter_mut().zip(r) {
                    *xi += (p.max(0.0) + FLOOR).ln() * share;
                }
            }
        }
        let mut z: [f32; 7] = std::array::from_fn(|k| {
            self.bias[k]
                + self.weights[k]
                    .iter()
                    .zip(&x)
                    .map(|(w, v)| w * v)
                    .sum::<f32>()
        });
        let max = z.iter().cloned().fold(f32::MIN, f32::max);
        let mut sum = 0.0;
        for v in z.iter_mut() {
            *v = (*v - max).exp();
            sum += *v;
        }
        z.map(|v| v / sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_calibration_loads_and_reads_probabilities() {
        let c = Calibration::embedded();
        let reading = Reading {
            probabilities: [0.01, 0.0, 0.01, 0.95, 0.01, 0.01, 0.01],
            features: std::array::from_fn(|j| c.feature_mean[j]),
        };
        let readings = FaceReadings {
            fer: vec![reading; c.views.len()],
            second: vec![[0.01, 0.0, 0.01, 0.95, 0.01, 0.01, 0.01]; c.second_views.len()],
        };
        let p = c.apply(&readings);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert_eq!(p.iter().cloned().fold(0.0, f32::max), p[3], "{p:?}");
        assert_eq!(c.apply(&FaceReadings::default())[6], 1.0);
        assert!(Calibration::from_json("{}").is_err());
        let mut wrong: serde_json::Value = serde_json::from_str(EMBEDDED).unwrap();
        wrong["feature_mean"] = serde_json::json!([0.0]);
        assert!(Calibration::from_json(&wrong.to_string()).is_err());
    }
}
