"""The declared dependencies work together: KerasTuner runs a real trial.

keras-tuner imports tensorboard and six without declaring them; without
tensorboard every trial fails. This trains one tiny trial end to end.
"""

import keras
import keras_tuner

from deeper.components import data


def test_keras_tuner_completes_a_trial(tmp_path):
    ds = data.load("digits")

    def build(hp):
        model = keras.Sequential([
            keras.Input(ds.input_shape),
            keras.layers.Dense(hp.Int("units", 16, 32, step=16), activation="relu"),
            keras.layers.Dense(ds.num_classes, activation="softmax"),
        ])
        model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model

    tuner = keras_tuner.RandomSearch(build, objective="val_accuracy", max_trials=1, seed=0,
                                     directory=tmp_path, project_name="smoke")
    tuner.search(ds.x_train / 16.0, ds.y_train, validation_data=(ds.x_val / 16.0, ds.y_val),
                 epochs=5, verbose=0)
    (trial,) = tuner.oracle.get_best_trials(1)
    assert trial.status == "COMPLETED"
    assert trial.score > 0.5  # chance 0.1
