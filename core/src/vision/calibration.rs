//! The expression calibration: a softmax layer over what the FER model makes of a face (its
//! log-probabilities and the pooled channels of its last block, averaged over a few views),
//! fitted on labelled real faces.
//!
//! Why: mini-Xception was trained on FER2013's small web crops. It is sure of smiles and unsure
//! of everything else: on news-style and posed faces it read disgust and fear as sadness or
//! anger, and a sad face as neutral, which the bot used to answer with happy songs. Its seven
//! outputs alone cannot be moved far enough (disgust stays below 0.3 recall whatever the weights);
//! the 128 channels under them still hold what tells disgust from anger. The layer is fitted
//! class-balanced (rare expressions count), and the views (the face and its mirror image) steady
//! a reading one crop leaves to chance. It is fitted by `tools/fit_face_calibration.py` from what
//! `moodtune eval photos --dump` writes, with persons held out; its figures are stored beside the
//! weights.

use std::sync::OnceLock;

use crate::vision::expression::{Reading, View, FEATURES};

const EMBEDDED: &str = include_str!("../../data/models/face-calibration.json");

/// Inputs of the layer: 7 averaged log-probabilities, then the standardised features.
const INPUTS: usize = 7 + FEATURES;

/// A fitted calibration (the shipped one is [`Calibration::embedded`]).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Calibration {
    /// The views of each face whose readings are averaged.
    pub views: Vec<View>,
    /// Feature means, subtracted before the layer.
    pub feature_mean: Vec<f32>,
    /// Feature scales, divided by before the layer.
    pub feature_scale: Vec<f32>,
    /// One row per output expression (FER order) over the [`INPUTS`] inputs.
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
        if c.weights.len() != 7 || c.weights.iter().any(|w| w.len() != INPUTS) {
            return Err(CalibrationError::Shape("weights"));
        }
        Ok(c)
    }

    /// Calibrated expression probabilities (FER order) from one reading per view, in the order
    /// of [`Calibration::views`]. With no reading at all, a face is read as neutral.
    pub fn apply(&self, readings: &[Reading]) -> [f32; 7] {
        if readings.is_empty() {
            let mut calm = [0.0; 7];
            calm[6] = 1.0;
            return calm;
        }
        let share = 1.0 / readings.len() as f32;
        let mut x = [0.0f32; INPUTS];
        for r in readings {
            for (xi, p) in x.iter_mut().zip(&r.probabilities) {
                *xi += (p.max(0.0) + FLOOR).ln() * share;
            }
            for (xi, v) in x[7..].iter_mut().zip(&r.features) {
                *xi += v * share;
            }
        }
        for (j, xi) in x[7..].iter_mut().enumerate() {
            *xi = (*xi - self.feature_mean[j]) / self.feature_scale[j].max(1e-6);
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
        let p = c.apply(&vec![reading; c.views.len()]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert_eq!(c.apply(&[])[6], 1.0);
        assert!(Calibration::from_json("{}").is_err());
        let mut wrong: serde_json::Value = serde_json::from_str(EMBEDDED).unwrap();
        wrong["feature_mean"] = serde_json::json!([0.0]);
        assert!(Calibration::from_json(&wrong.to_string()).is_err());
    }
}
